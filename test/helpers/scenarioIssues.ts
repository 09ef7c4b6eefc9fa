// The problems parseScenarioText reports for a bad scenario text (scenarios/loader.ts ScenarioError), for tests of the
// schema's messages; fails the test when the text parses.
import { expect } from 'vitest';
import { parseScenarioText, ScenarioError } from '../../scenarios/loader.ts';

export function issuesOf(text: string) {
  try {
    parseScenarioText(text, 'bad.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).issues;
  }
  throw new Error('expected a ScenarioError');
}
