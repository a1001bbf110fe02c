export * from "./OshaGenerator"
export * from "./Random"
