export * from "./EpaGenerator"
export * from "./Names"
export * from "./OshaGenerator"
export * from "./Random"
