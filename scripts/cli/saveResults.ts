// Saves a run for people and tools: the results JSON (scripts/runner/resultsFile.ts) and, next to each JSON file, the
// HTML report (docs/report.md). A report that cannot be rendered is a warning; the JSON is what counts.
import { writeReportNextTo } from '../report/render.ts';
import { writeResultsFile } from '../runner/resultsFile.ts';
import type { ScenarioResults } from '../runner/results.ts';

export interface SavedResults {
  json: string;
  /** The report next to the timestamped JSON file (undefined when it could not be rendered). */
  html?: string;
}

export function saveResults(results: ScenarioResults, dir: string, warn: (message: string) => void): SavedResults {
  const files = writeResultsFile(results, dir);
  try {
    const html = writeReportNextTo(results, files.file);
    writeReportNextTo(results, files.latest);
    return { json: files.file, html };
  } catch (error) {
    warn(`warning: the HTML report could not be written: ${(error as Error).message}`);
    return { json: files.file };
  }
}
