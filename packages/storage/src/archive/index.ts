export * from "./FileHashes"
export * from "./RawArchive"
