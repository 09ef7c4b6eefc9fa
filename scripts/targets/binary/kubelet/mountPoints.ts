// Mount points on the machine's file system for the containers' mount paths (docs/binary-target.md#pods). A process
// gets a mount namespace of its own, but a bind mount needs a directory to mount on, and the binary target has no
// container image with one: a missing mount path (/srv/kubernetes/tls, /var/run/secrets/gardener.cloud/...) is
// created as an empty directory before the process starts, and the directories this run created are removed again
// when it ends, if still empty and no other run is alive. Directories that existed before are never touched.
import fs from 'node:fs';
import path from 'node:path';

/** Where every run notes the top directories it created, so that the last run alive removes all of them. */
export const DEFAULT_REGISTRY = '/run/lbbin-mount-points';

export class MountPoints {
  /** The top-most directory each creation made, in order. */
  private readonly created: string[] = [];

  /**
   * `registry`: a file shared by every run of this machine listing the directories runs created; a run that ends
   * while another is alive leaves them (see removeAll), and the last one removes what every run noted there.
   */
  constructor(private readonly registry = DEFAULT_REGISTRY) {}

  /** Makes each path exist as a directory, remembering the top-most directory that did not exist. */
  ensure(paths: string[]): void {
    for (const target of paths) {
      let top: string | undefined;
      for (let dir = path.resolve(target); !fs.existsSync(dir); dir = path.dirname(dir)) top = dir;
      if (!top) continue;
      fs.mkdirSync(target, { recursive: true, mode: 0o755 });
      if (this.created.includes(top)) continue;
      this.created.push(top);
      fs.appendFileSync(this.registry, `${top}\n`);
    }
  }

  /**
   * Removes the directories it created, bottom-up, where they are empty (a mount elsewhere keeps them). Not while
   * another run is alive (`othersAlive`): the bind mounts live in each process's own mount namespace, so the
   * directories look empty here even while another run's processes use them, and that run's next process (a replica
   * restarted by an event) would find nothing to mount on. The last run to end removes them, and those every earlier
   * run left in the registry.
   */
  removeAll(othersAlive: () => boolean = () => false): void {
    const created = this.created.splice(0).reverse();
    if (othersAlive()) return;
    let noted: string[] = [];
    try {
      noted = fs.readFileSync(this.registry, 'utf8').split('\n').filter(Boolean).reverse();
      fs.rmSync(this.registry, { force: true });
    } catch {
      // no run noted anything
    }
    for (const top of new Set([...created, ...noted])) removeEmptyTree(top);
  }
}

function removeEmptyTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) removeEmptyTree(path.join(dir, entry.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty, or a mount point in use: left as it is
  }
}
