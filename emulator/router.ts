import { ROUTES, type RouteName } from "../provider/client/schemas";

/** A request matched to a route of ROUTES. */
export interface RouteMatch {
  name: RouteName;
  /** The route's template key for stats, such as `GET /v1/tasks/:taskId`. */
  key: string;
  params: Record<string, string>;
}

interface CompiledRoute {
  name: RouteName;
  method: string;
  template: string;
  pattern: RegExp;
  paramNames: string[];
}

/** Matches method and path against the path templates of ROUTES (the API's one route list). */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor() {
    this.routes = (Object.keys(ROUTES) as RouteName[]).map((name) => {
      const { method, path } = ROUTES[name];
      const paramNames: string[] = [];
      const source = path
        .split("/")
        .map((segment) => {
          if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          paramNames.push(segment.slice(1));
          return "([^/]+)";
        })
        .join("/");
      return { name, method, template: path, pattern: new RegExp(`^${source}/?$`), paramNames };
    });
  }

  /** The matching route, or undefined (unknown path, wrong method or badly encoded id). */
  match(method: string, path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      try {
        route.paramNames.forEach((n, i) => (params[n] = decodeURIComponent(found[i + 1])));
      } catch {
        return undefined;
      }
      return { name: route.name, key: `${method} ${route.template}`, params };
    }
    return undefined;
  }
}
