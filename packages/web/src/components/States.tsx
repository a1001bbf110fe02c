import type { ComponentChildren } from "preact"
import type { ApiError } from "../lib/api"
import type { Resource } from "../lib/resource"

/** Placeholder blocks while a section loads (`aria-busy` so assistive tech knows it is coming). */
export const Skeleton = ({ lines = 3, label = "Loading…" }: { lines?: number; label?: string }) => (
  <div class="skeleton" aria-busy="true" data-testid="loading">
    <span class="visually-hidden">{label}</span>
    {Array.from({ length: lines }, (_, i) => (
      <div key={i} class="skeleton-line" aria-hidden="true" style={{ width: `${90 - ((i * 17) % 35)}%` }} />
    ))}
  </div>
)

const messageOf = (error: ApiError): string => {
  switch (error.failure) {
    case "network":
      return "We couldn't reach the data service. Check your connection and try again."
    case "unavailable":
      return "The data service is busy right now. Please try again in a moment."
    case "missing-endpoint":
      return "This part of the site isn't available from the data service yet."
    case "rate-limited":
      return "Too many requests right now. Please try again later."
    case "invalid":
      return "The data service did not accept this request."
    default:
      return "Something went wrong while loading this."
  }
}

/** An API failure: what happened in plain words, and a Retry button. */
export const ErrorState = ({ error, retry, what }: { error: ApiError; retry: () => void; what?: string }) => (
  <div class="error-state" role="alert" data-testid="error-state" data-failure={error.failure}>
    <p>
      {what !== undefined ? <strong>{what}: </strong> : null}
      {messageOf(error)}
    </p>
    <button type="button" class="button" onClick={retry}>
      Retry
    </button>
  </div>
)

/** An explicit "nothing here" message. */
export const EmptyState = ({
  children,
  testid = "empty-state"
}: {
  children: ComponentChildren
  testid?: string
}) => (
  <p class="empty-state" data-testid={testid}>
    {children}
  </p>
)

/** Render a resource: skeleton while loading, error with retry, else `children(data)`. */
export const Loaded = <A,>({
  res,
  retry,
  what,
  lines,
  children
}: {
  res: Resource<A>
  retry: () => void
  what?: string
  lines?: number
  children: (data: A) => ComponentChildren
}) => {
  if (res.state === "loading") return <Skeleton lines={lines ?? 3} />
  if (res.state === "error")
    return what === undefined ? (
      <ErrorState error={res.error} retry={retry} />
    ) : (
      <ErrorState error={res.error} retry={retry} what={what} />
    )
  return <>{children(res.data)}</>
}
