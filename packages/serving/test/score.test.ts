import { layerEmbedded } from "../src/Embedded"
import { layerMemory } from "../src/ServingStore"
import { scoreSuite } from "./contract/ScoreSuite"

scoreSuite("memory", () => layerMemory())
// A fresh in-process dynalite (in memory) per test.
scoreSuite("dynalite", ({ tablePrefix }) => layerEmbedded({ inMemory: true, tablePrefix }))
