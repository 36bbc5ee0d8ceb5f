/** What the cards of the directory screen read: one load of everything, and the calls. */
import { directoryEndpoints, type City, type Counterpart, type Partnership, type Region, type Sector } from '../../api/directory';
import type { Lang, User } from '../../api/types';
import type { DirectoryPart } from '../../data/directoryLive';
import { api } from '../../runtime';

export const dir = directoryEndpoints(api);

export interface DirectoryData {
  regions: Region[];
  cities: City[];
  partnerships: Partnership[];
  sectors: Sector[];
  /** Current and ended pairs: the ended ones fill the "ended pairs" table. */
  counterparts: Counterpart[];
  users: User[];
}

export async function loadDirectory(): Promise<DirectoryData> {
  const [regions, cities, partnerships, sectors, counterparts, users] = await Promise.all([
    dir.regions(),
    dir.cities(),
    dir.partnerships(),
    dir.sectors(),
    dir.counterparts({ include_ended: true }),
    // Names of the officials; the directory still shows ids if the list is refused.
    dir.users().catch(() => [] as User[]),
  ]);
  return { regions, cities, partnerships, sectors, counterparts, users };
}

/**
 * Reads the given lists again (a live change touched only those) and lays them on the data
 * shown, as it is when they come (so a whole re-read that landed meanwhile stays); with nothing
 * shown yet, reads everything.
 */
export async function loadDirectoryParts(shown: () => DirectoryData | undefined, parts: ReadonlySet<DirectoryPart>): Promise<DirectoryData> {
  const before = shown();
  if (!before) return loadDirectory();
  const read: { [P in keyof DirectoryData]: () => Promise<DirectoryData[P]> } = {
    regions: () => dir.regions(),
    cities: () => dir.cities(),
    partnerships: () => dir.partnerships(),
    sectors: () => dir.sectors(),
    counterparts: () => dir.counterparts({ include_ended: true }),
    users: () => dir.users().catch(() => [] as User[]),
  };
  const fresh = await Promise.all(
    (Object.keys(read) as (keyof DirectoryData)[]).filter((k) => parts.has(k)).map(async (k) => [k, await read[k]()] as const),
  );
  return { ...(shown() ?? before), ...Object.fromEntries(fresh) };
}

/** What every card gets from the screen. */
export interface CardProps {
  data: DirectoryData;
  cities: Map<number, City>;
  sectors: Map<number, Sector>;
  lang: Lang;
  /** The data is a copy kept while the server cannot be reached: writes wait for the network. */
  offline: boolean;
  /** Re-reads the directory from the server (after a write, or a write found stale). */
  onChanged: () => void;
}
