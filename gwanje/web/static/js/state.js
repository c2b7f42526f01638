// What the console holds while it runs: who is signed in, the cameras, the alerts it knows (the
// queue's page and those opened since), the alert in the drawer, the event stream, the wall.
export const state = {
  user: null, csrf: null, timezone: null, cameras: [], alerts: new Map(), current: null, stream: null, autoWall: null,
  shift: null,
};

export const OPEN = new Set(["new", "acknowledged", "dispatched"]);
export const STAFF = new Set(["operator", "supervisor", "admin"]);
export const ON_DUTY_ROLES = new Set(["operator", "supervisor"]);
