/**
 * Online/offline as the user should see it: the browser's navigator.onLine AND whether our
 * last request to the server got an answer (on filtered cross-border links the browser often
 * says "online" while nothing gets through).
 */
export interface ConnectivityTarget {
  addEventListener(type: 'online' | 'offline', fn: () => void): void;
  removeEventListener(type: 'online' | 'offline', fn: () => void): void;
}

export class Connectivity {
  private browserOnline: boolean;
  private serverReachable = true;
  private listeners = new Set<(online: boolean) => void>();
  private backListeners = new Set<() => void>();
  private detach: () => void;

  constructor(nav: { onLine: boolean } | undefined, target: ConnectivityTarget | undefined) {
    this.browserOnline = nav ? nav.onLine !== false : true;
    const on = () => {
      this.browserOnline = true;
      this.serverReachable = true; // worth trying again
      this.changed(true);
    };
    const off = () => {
      this.browserOnline = false;
      this.changed(false);
    };
    target?.addEventListener('online', on);
    target?.addEventListener('offline', off);
    this.detach = () => {
      target?.removeEventListener('online', on);
      target?.removeEventListener('offline', off);
    };
  }

  get online(): boolean {
    return this.browserOnline && this.serverReachable;
  }

  /** Fed by ApiClient.onReachability and the WebSocket state. */
  report(reachable: boolean): void {
    if (this.serverReachable === reachable) return;
    const was = this.online;
    this.serverReachable = reachable;
    if (reachable) this.browserOnline = true;
    this.changed(!was && this.online);
  }

  subscribe(fn: (online: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called when we come back online (to sync and reconnect right away). */
  onBack(fn: () => void): () => void {
    this.backListeners.add(fn);
    return () => this.backListeners.delete(fn);
  }

  dispose(): void {
    this.detach();
  }

  private changed(cameBack: boolean) {
    for (const fn of this.listeners) fn(this.online);
    if (cameBack) for (const fn of this.backListeners) fn();
  }
}
