#!/usr/bin/env node
// The package's command (`apiserver-lb`): registers the TypeScript loader, then dispatches to the subcommands.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
await main(process.argv);
