import { layerMemory } from "../src/ServingStore"
import { suite } from "./contract/ServingStoreSuite"

suite("memory", ({ feedSize, recentSize }) => layerMemory({ feedSize, recentSize }), { propertyRuns: 100 })
