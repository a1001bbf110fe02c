/** API v2 on Lambda: the event adapter and handler factory (entry points are the `*-handler.ts` files). */
export * from "./ApiGateway"
export * from "./Handler"
export { makeSummaryWorker } from "./summary-worker"
