export * from "./Lake"
export * from "./Table"
export * from "./TopOffenders"
