import { layerMemory } from "../../src/serving/ServingStore"
import { suite } from "../contract/ServingStoreSuite"

suite("memory", ({ feedSize, recentSize }) => layerMemory({ feedSize, recentSize }), { propertyRuns: 100 })
