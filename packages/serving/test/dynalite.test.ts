import { layerEmbedded } from "../src/Embedded"
import { suite } from "./contract/ServingStoreSuite"

// A fresh in-process dynalite (in memory, port 0) per test: its startup is a few milliseconds.
suite(
  "dynalite",
  ({ tablePrefix, feedSize, recentSize }) =>
    layerEmbedded({ inMemory: true, tablePrefix, feedSize, recentSize }),
  { propertyRuns: 20 }
)
