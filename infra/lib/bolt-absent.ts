// Stands in, in the Lambda bundles (infra/lib/bundle.ts), for the packages only Bolt's own receivers use: its
// HTTP, Express and Socket Mode receivers, with OAuth and their body parsers, never run on Lambda, where the
// app hands Bolt an AwsLambdaReceiver. Bolt still loads those receivers' modules, so these names must exist;
// anything that calls or constructs one is a bug, and says so.
function absent(): never {
  throw new Error("Bolt's HTTP, Express and Socket Mode receivers are not in the Lambda bundle");
}

class Absent {
  constructor() {
    absent();
  }
}

export default absent;
export const InstallProvider = Absent;
export const SocketModeClient = Absent;
