import { layerMemory } from "../../src/serving/ServingStore"
import { suite } from "../contract/ServingStoreSuite"

suite("memory", ({ feedSize }) => layerMemory({ feedSize }), { propertyRuns: 100 })
