// The deployment file both daemons read, composed once (apps never import each other).
export { deploymentPoolSchema } from './pool.js'
export {
  deploymentSchema,
  instanceSchema,
  roles,
  type Deployment,
  type DeploymentInput,
  type DeploymentInstance,
  type DeploymentPool,
  type Role,
} from './schema.js'
export { dnsTargets, edgeTargets } from './targets.js'
