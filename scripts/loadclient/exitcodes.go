// The project's exit codes (scripts/core/exitCodes.ts).

package main

const (
	exitOK          = 0
	exitBadInput    = 2
	exitIncomplete  = 3
	exitInterrupted = 130
)
