export * from "./RawArchive"
