import { layerEmbedded } from "../../src/serving/Embedded"
import { suite } from "../contract/ServingStoreSuite"

// A fresh in-process dynalite (in memory, port 0) per test: its startup is a few milliseconds.
suite("dynalite", ({ tablePrefix, feedSize }) => layerEmbedded({ inMemory: true, tablePrefix, feedSize }), {
  propertyRuns: 20
})
