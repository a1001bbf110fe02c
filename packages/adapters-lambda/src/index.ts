export * from "./Events"
export * from "./IngestHandler"
