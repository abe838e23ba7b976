export {
  DELAY_STEPS,
  FRAME_RATE,
  SAMPLES_PER_FRAME,
  planWindows,
  type PlanWindowsOptions,
  type PlannedWindow,
  type WindowPlan,
} from './plan-windows.js';
export { windowSeed } from './window-seed.js';
