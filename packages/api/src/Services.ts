import { Layer } from "effect"
import { SummaryDispatch } from "./summary/Dispatch"
import { layerExtractive } from "./summary/Extractive"
import { GenerationLog } from "./summary/GenerationLog"
import { layerMemoryLease, type SummaryLease } from "./summary/Lease"
import type { SummaryProvider } from "./summary/Provider"
import {
  layerMemoryRateLimiter,
  type RateLimiter,
  RateLimitPolicy,
  type RateLimitPolicyShape
} from "./summary/RateLimit"
import { Summarizer, type SummarizerOptions } from "./summary/Summarizer"
import { SummaryTrigger } from "./summary/Trigger"
import { ViolationLocator } from "./ViolationLocator"

/** Options of {@link layerServices}: every piece has a local default. */
export interface ServicesOptions {
  /** Default: the offline extractive provider. */
  readonly provider?: Layer.Layer<SummaryProvider, unknown>
  /** Default: in-process leases. */
  readonly lease?: Layer.Layer<SummaryLease, unknown>
  /** Default: in-process counters. */
  readonly rateLimiter?: Layer.Layer<RateLimiter, unknown>
  /** Default: from `VENTUREOS_SUMMARY_*_DAILY` (1000 per brand, 30 per client). */
  readonly policy?: RateLimitPolicyShape
  /** Default: structured log lines. */
  readonly log?: Layer.Layer<GenerationLog>
  /** Default: jobs run in forked fibers of this process. */
  readonly dispatch?: Layer.Layer<SummaryDispatch, unknown, Summarizer>
  readonly summarizer?: SummarizerOptions
}

/**
 * Everything the routes need besides the serving store: the violation locator, the summary trigger and the
 * background summarizer. Provide a `ServingStore` layer.
 */
export const layerServices = (options: ServicesOptions = {}) => {
  const locator = ViolationLocator.layerFromServingStore
  const summarizer = Summarizer.layer(options.summarizer).pipe(
    Layer.provide([options.provider ?? layerExtractive, options.log ?? GenerationLog.layerLogger])
  )
  const lease = options.lease ?? layerMemoryLease
  const dispatch = (options.dispatch ?? SummaryDispatch.layerInProcess).pipe(Layer.provide(summarizer))
  const trigger = SummaryTrigger.layer.pipe(
    Layer.provide([
      dispatch,
      options.rateLimiter ?? layerMemoryRateLimiter,
      options.policy === undefined ? RateLimitPolicy.layerConfig : RateLimitPolicy.layer(options.policy)
    ])
  )
  return Layer.mergeAll(trigger, summarizer, locator).pipe(
    Layer.provideMerge(lease),
    Layer.provideMerge(locator)
  )
}
