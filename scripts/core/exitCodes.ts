// The exit codes of every command (README.md#exit-codes), defined once.
export const EXIT_OK = 0;
/** The run completed and an expectation failed. */
export const EXIT_CHECK_FAILED = 1;
/** Bad input: a scenario file, a flag, a missing prerequisite. Nothing was run. */
export const EXIT_BAD_INPUT = 2;
/** The run could not be completed (a component crashed, the cluster did not come up). */
export const EXIT_RUNTIME = 3;
/** Interrupted (Ctrl-C, SIGTERM) after cleaning up. */
export const EXIT_INTERRUPTED = 130;
