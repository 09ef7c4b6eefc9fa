// The binary target refuses, before anything starts, a checkout its image users cannot reach
// (scripts/targets/binary/repositoryAccess.ts).
import { describe, expect, it } from 'vitest';
import { closedAncestor, repositoryAccessProblem } from '../../../scripts/targets/binary/repositoryAccess.ts';

const modes: Record<string, number> = { '/': 0o755, '/tmp': 0o1777, '/tmp/tmp.abc': 0o700, '/tmp/tmp.abc/repo': 0o755, '/srv': 0o755, '/srv/repo': 0o755 };
const stat = (p: string) => ({ mode: modes[p]! });

describe('repository access for the image users', () => {
  it('finds the first directory other users cannot enter', () => {
    expect(closedAncestor('/tmp/tmp.abc/repo', stat)).toBe('/tmp/tmp.abc');
    expect(closedAncestor('/srv/repo', stat)).toBeUndefined();
  });

  it('says what to run', () => {
    expect(repositoryAccessProblem('/tmp/tmp.abc/repo', stat)).toBe(
      'the webhook pod runs as user 65532 from this checkout, but /tmp/tmp.abc lets only its owner and group in: run chmod o+x /tmp/tmp.abc (or clone the repository where other users can enter)',
    );
    expect(repositoryAccessProblem('/srv/repo', stat)).toBeUndefined();
  });
});
