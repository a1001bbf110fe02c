export * from "./BackfillHandler"
export * from "./Events"
export * from "./IngestHandler"
