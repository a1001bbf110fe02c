import { useCallback, useEffect, useState } from "preact/hooks"
import { ApiError } from "./api"

/** What a page section shows: loading, the data, or why there is none. */
export type Resource<A> =
  | { readonly state: "loading" }
  | { readonly state: "ok"; readonly data: A }
  | { readonly state: "error"; readonly error: ApiError }

interface Cached {
  readonly at: number
  readonly value: unknown
}

/** Responses reused for a minute, so going back to a page paints at once. */
const TTL_MS = 60_000
const cache = new Map<string, Cached>()

/** Requests started ahead of the component that shows them (see {@link prefetch}). */
const inflight = new Map<string, Promise<unknown>>()

/**
 * Start a request before the component that shows it mounts (e.g. an entity's history together with the
 * entity, instead of after it): its `useResource` of the same key then waits for this one.
 */
export const prefetch = <A>(key: string, load: () => Promise<A>): void => {
  const hit = cache.get(key)
  if ((hit !== undefined && Date.now() - hit.at < TTL_MS) || inflight.has(key)) return
  const p = load().then((value) => {
    cache.set(key, { at: Date.now(), value })
    return value
  })
  inflight.set(key, p)
  // The component reports a failure (and retries from scratch); here it only ends the wait.
  p.catch(() => undefined).finally(() => inflight.delete(key))
}

const toApiError = (e: unknown): ApiError => (e instanceof ApiError ? e : new ApiError("http", 0, e))

/**
 * The one data hook pages use: `key` identifies the request (null = nothing to load), `load` performs
 * it. Returns the resource and a `retry` that reloads, bypassing the cache.
 */
export const useResource = <A>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<A>
): readonly [Resource<A>, () => void] => {
  const initial = (): Resource<A> => {
    if (key === null) return { state: "loading" }
    const hit = cache.get(key)
    return hit !== undefined && Date.now() - hit.at < TTL_MS
      ? { state: "ok", data: hit.value as A }
      : { state: "loading" }
  }
  const [res, setRes] = useState<{ key: string | null; value: Resource<A> }>(() => ({
    key,
    value: initial()
  }))
  const [attempt, setAttempt] = useState(0)

  // `load` is a fresh closure every render: `key` alone names the request
  useEffect(() => {
    if (key === null) return
    const hit = cache.get(key)
    if (attempt === 0 && hit !== undefined && Date.now() - hit.at < TTL_MS) {
      setRes({ key, value: { state: "ok", data: hit.value as A } })
      return
    }
    const ctrl = new AbortController()
    setRes({ key, value: { state: "loading" } })
    const pending = attempt === 0 ? (inflight.get(key) as Promise<A> | undefined) : undefined
    ;(pending ?? load(ctrl.signal)).then(
      (data) => {
        cache.set(key, { at: Date.now(), value: data })
        if (!ctrl.signal.aborted) setRes({ key, value: { state: "ok", data } })
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setRes({ key, value: { state: "error", error: toApiError(e) } })
      }
    )
    return () => ctrl.abort()
  }, [key, attempt])

  const retry = useCallback(() => {
    if (key !== null) cache.delete(key)
    setAttempt((n) => n + 1)
  }, [key])

  // A new key renders as loading (or from cache) before its effect runs: never the previous key's data.
  return [res.key === key ? res.value : initial(), retry] as const
}

/** Forget cached responses whose key starts with `prefix` (e.g. after a summary arrives). */
export const invalidate = (prefix: string): void => {
  for (const k of cache.keys()) if (k.startsWith(prefix)) cache.delete(k)
}
