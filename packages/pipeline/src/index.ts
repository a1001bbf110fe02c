export * from "./Normalize"
