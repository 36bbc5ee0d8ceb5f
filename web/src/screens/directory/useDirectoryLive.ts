/**
 * Keeps a card of the directory screen live: the changes of the `platform` scope that reach
 * this tab over the WebSocket (runtime.ts, onPlatformChange) name the lists they make stale
 * (data/directoryLive.ts, partsFor); those of `accept` are gathered for LIVE_REREAD_MS and then
 * read again from the server in one go (`reread`), never two reads at once. A re-read only
 * replaces the list shown: an open form keeps its draft, and a save on an older version still
 * meets the stale-edit dialog (412).
 */
import { useEffect, useRef } from 'preact/hooks';
import { Coalescer, LIVE_REREAD_MS, partsFor, type DirectoryPart } from '../../data/directoryLive';
import { useRuntime } from '../../data/hooks';
import { onPlatformChange } from '../../runtime';

export function useDirectoryLive(accept: readonly DirectoryPart[], reread: (parts: Set<DirectoryPart>) => Promise<void>): void {
  const rt = useRuntime();
  const rereadRef = useRef(reread);
  rereadRef.current = reread;
  const acceptKey = accept.join(',');
  useEffect(() => {
    if (!rt) return;
    const wanted = new Set(accept);
    const coalescer = new Coalescer<DirectoryPart>((parts) => rereadRef.current(parts), LIVE_REREAD_MS);
    const off = onPlatformChange((e) => {
      const parts = partsFor(e).filter((p) => wanted.has(p));
      if (parts.length) coalescer.add(parts);
    });
    return () => {
      off();
      coalescer.stop();
    };
  }, [rt, acceptKey]);
}
