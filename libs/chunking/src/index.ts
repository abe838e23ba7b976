export { planWindows, type PlanWindowsOptions, type PlannedWindow, type WindowPlan } from './plan-windows.js';
export { windowSeed } from './window-seed.js';
