/** Lambda entry `api-company-handler`: `GET /api/company/:id` (+ `/openapi.json` of its slice). */
import { layerCompanyRoutes } from "@ventureos/api"
import { makeApiHandler } from "./Handler"
import { servingStoreLive } from "./Layers"

export const handler = makeApiHandler(layerCompanyRoutes, servingStoreLive)
