// What the console holds while it runs: who is signed in, the cameras, the open events it knows,
// the event shown in the drawer, the event stream and the automatic wall.
export const state = {
  user: null, csrf: null, timezone: null, cameras: [], events: new Map(), current: null, stream: null, autoWall: null,
};

export const OPEN = new Set(["new", "acknowledged", "dispatched"]);
