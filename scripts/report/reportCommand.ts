// `npm run report -- <results.json> [--out file.html]`: re-render the HTML report of a results file (docs/report.md).
// Exit codes: 0 written; 2 bad input (not a results file, an unknown schema version, invalid or truncated JSON, bad
// flags); 3 the page could not be written.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { EXIT_BAD_INPUT, EXIT_RUNTIME } from '../core/exitCodes.ts';
import { loadResultsFile, ResultsError } from './load.ts';
import { renderReport } from './render.ts';

export function reportCommand(): Command {
  return new Command('report')
    .description('render the self-contained HTML report of a results file (results/<scenario>-<time>.json)')
    .argument('<results.json>', 'a results file written by npm run scenario (schema v1 or v2)')
    .option('--out <file.html>', 'where to write the page (default: next to the JSON, same name, .html)')
    .action((file: string, opts: { out?: string }) => {
      let html: string;
      try {
        html = renderReport(loadResultsFile(file));
      } catch (error) {
        if (!(error instanceof ResultsError)) throw error;
        console.error(`report: ${error.message}`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      const parsed = path.parse(file);
      const out = opts.out ?? path.join(parsed.dir, `${parsed.ext === '.json' ? parsed.name : parsed.base}.html`);
      try {
        fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
        fs.writeFileSync(out, html);
      } catch (error) {
        console.error(`report: cannot write ${out}: ${(error as Error).message}`);
        process.exitCode = EXIT_RUNTIME;
        return;
      }
      console.log(`report: ${out} (${Math.round(html.length / 1024)} KiB, opens offline)`);
    });
}
