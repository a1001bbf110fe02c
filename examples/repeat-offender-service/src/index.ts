export * from "./App"
export * from "./Lake"
export * from "./RepeatOffender"
export * from "./Server"
