// Shrinking a mismatch's setup script: drop chunks of statements (halving the chunk size, as
// in delta debugging) while the mismatch still reproduces, then drop tables nothing mentions.
// CREATE TABLE statements stay until the last step so that what remains still runs.

/** Default number of trials; each one replays the setup on two fresh databases. */
export const DEFAULT_MINIMISE_BUDGET = 160;

/**
 * The smallest setup found that still makes `reproduces` true, or undefined when even the
 * full setup does not reproduce (a mismatch that depends on more than the SQL shown).
 */
export async function minimiseSetup(
  setup: readonly string[],
  sql: string,
  reproduces: (setup: readonly string[]) => Promise<boolean>,
  budget = DEFAULT_MINIMISE_BUDGET,
): Promise<string[] | undefined> {
  let trials = 1;
  if (!(await reproduces(setup))) return undefined;
  let cur = [...setup];
  const removable = (s: string): boolean => !/^CREATE TABLE/i.test(s);
  for (let chunk = Math.max(1, Math.floor(cur.length / 2)); chunk >= 1 && trials < budget; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i < cur.length && trials < budget; ) {
      const drop = new Set<number>();
      for (let k = i; k < Math.min(cur.length, i + chunk); k++) if (removable(cur[k]!)) drop.add(k);
      if (drop.size === 0) {
        i += chunk;
        continue;
      }
      const candidate = cur.filter((_, k) => !drop.has(k));
      trials++;
      if (await reproduces(candidate)) cur = candidate;
      else i += chunk;
    }
  }
  // Tables that neither the statement nor the remaining setup mentions.
  const mentioned = (name: string, text: string): boolean => new RegExp(`\\b${name}\\b`).test(text);
  const unused = cur.filter((s) => {
    const m = /^CREATE TABLE (\w+)/i.exec(s);
    if (m === null) return false;
    const others = cur.filter((x) => x !== s).join('\n');
    return !mentioned(m[1]!, sql) && !mentioned(m[1]!, others);
  });
  if (unused.length > 0) {
    const candidate = cur.filter((s) => !unused.includes(s));
    if (await reproduces(candidate)) cur = candidate;
  }
  return cur;
}
