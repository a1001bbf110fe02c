import { useEffect, useRef, useState } from "preact/hooks"
import { api } from "./api"

/*
 * Lazy AI summaries. A card whose violation has no summary asks for one the first time it scrolls into
 * view: one POST per violation per page session (the `requested` set lives as long as the page, so
 * re-rendered or re-mounted cards, filters and back/forward never trigger twice), then a bounded poll of
 * GET /api/violations/:id — every 1.5 s, at most 6 times — since the API answers 202 at once and generates
 * in the background. The raw description is on screen the whole time; a 429 (budget spent), 503, network
 * error or a poll that runs out shows "Summary not available yet" on that card only.
 */

export const POLL_INTERVAL_MS = 1500
export const POLL_ATTEMPTS = 6

export type SummaryStatus =
  | { readonly status: "idle" }
  | { readonly status: "generating" }
  | { readonly status: "ready"; readonly text: string }
  | { readonly status: "unavailable" }

const IDLE: SummaryStatus = { status: "idle" }

/** Violations whose summary was requested during this page session. */
const requested = new Set<string>()
const states = new Map<string, SummaryStatus>()
const listeners = new Map<string, Set<(s: SummaryStatus) => void>>()

const set = (id: string, s: SummaryStatus) => {
  states.set(id, s)
  for (const f of listeners.get(id) ?? []) f(s)
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

const poll = async (id: string, entity: string | undefined) => {
  for (let i = 0; i < POLL_ATTEMPTS; i++) {
    await sleep(POLL_INTERVAL_MS)
    try {
      const v = await api.violation(id, entity)
      const text = v.summary?.text ?? v.violation.summary
      if (text != null && text !== "") return set(id, { status: "ready", text })
    } catch {
      // a failed poll counts as an attempt; the next one may succeed
    }
  }
  set(id, { status: "unavailable" })
}

/** Ask once for a violation's summary (no-op when already asked in this page session). */
export const requestSummary = (id: string, entity: string | undefined, brand: string | undefined): void => {
  if (requested.has(id)) return
  requested.add(id)
  set(id, { status: "generating" })
  api.summarize(id, { entity, brand }).then(
    () => poll(id, entity),
    () => set(id, { status: "unavailable" })
  )
}

/** Whether a summary was requested for this violation in this page session (for tests and debugging). */
export const wasRequested = (id: string): boolean => requested.has(id)

type Visible = () => void
const watched = new WeakMap<Element, Visible>()
let observer: IntersectionObserver | undefined
const observe = (el: Element, f: Visible) => {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue
        observer?.unobserve(e.target)
        watched.get(e.target)?.()
      }
    },
    // a card counts as seen once a little of it is on screen
    { rootMargin: "0px 0px -10% 0px", threshold: 0.1 }
  )
  watched.set(el, f)
  observer.observe(el)
  return () => {
    watched.delete(el)
    observer?.unobserve(el)
  }
}

/**
 * A card's summary: `existing` when the API already had one; otherwise requested when the element behind
 * the returned ref becomes visible, and followed until it arrives or the poll gives up.
 */
export const useLazySummary = <E extends Element>(
  violationId: string,
  existing: string | null,
  entity: string | undefined,
  brand: string | undefined
) => {
  const ref = useRef<E>(null)
  const [state, setState] = useState<SummaryStatus>(() => states.get(violationId) ?? IDLE)
  useEffect(() => {
    const subs = listeners.get(violationId) ?? new Set()
    listeners.set(violationId, subs)
    subs.add(setState)
    setState(states.get(violationId) ?? IDLE)
    // watch the whole card (the summary slot itself is empty, so it has no area to intersect)
    const el = ref.current?.closest("[data-violation-id]") ?? ref.current
    const stop =
      existing === null && !requested.has(violationId) && el !== null
        ? observe(el, () => requestSummary(violationId, entity, brand))
        : undefined
    return () => {
      subs.delete(setState)
      stop?.()
    }
  }, [violationId, existing, entity, brand])
  const shown: SummaryStatus = existing !== null ? { status: "ready", text: existing } : state
  return [ref, shown] as const
}
