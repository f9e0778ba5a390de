// Types for the one systeminformation module the host facts load
// (agent/runner/host.ts): its system(), as the package's index declares it.
declare module 'systeminformation/lib/system.js' {
  export { system } from 'systeminformation';
}
