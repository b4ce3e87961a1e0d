import { useSyncExternalStore } from 'react';

const subscribe = () => () => undefined;

/**
 * False in the server's HTML, true once React runs in the browser: forms submitted by a handler keep
 * their button disabled until then, so an early click cannot fall back to a plain page submission.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
