export { equalPowerCrossfade } from './equal-power-crossfade.js';
