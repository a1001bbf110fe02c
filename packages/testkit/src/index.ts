export * from "./Names"
export * from "./OshaGenerator"
export * from "./Random"
