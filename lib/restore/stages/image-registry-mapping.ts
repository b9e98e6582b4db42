import { asString, copyJson } from '../json-access.js';
import { containersOf, podSpecOf } from '../pod-templates.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** A compiled imageRegistryMapping: prefixes, longest first. */
export type ImageMapper = (image: string) => string;

const compiled = new WeakMap<Readonly<Record<string, string>>, ImageMapper>();

/**
 * Compiles a prefix mapping. The longest matching prefix wins; a prefix matches at a path boundary only
 * (`registry.io/team` maps `registry.io/team/app:1` and `registry.io/team:1`, never `registry.io/teams/app`).
 * Docker Hub short names (`nginx`, `library/nginx`) also match prefixes written as `docker.io/...`.
 */
export function compileImageMapping(mapping: Readonly<Record<string, string>>): ImageMapper {
  const cached = compiled.get(mapping);
  if (cached) return cached;
  const prefixes = Object.keys(mapping).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const mapOne = (image: string): string | undefined => {
    for (const prefix of prefixes) {
      if (!image.startsWith(prefix)) continue;
      const next = image[prefix.length];
      if (next === undefined || next === '/' || next === ':' || next === '@' || prefix.endsWith('/')) {
        return mapping[prefix]! + image.slice(prefix.length);
      }
    }
    return undefined;
  };
  const mapper: ImageMapper = (image) => mapOne(image) ?? (dockerHubName(image) !== undefined ? mapOne(dockerHubName(image)!) : undefined) ?? image;
  compiled.set(mapping, mapper);
  return mapper;
}

/** `nginx:1` -> `docker.io/library/nginx:1`, `team/app` -> `docker.io/team/app`; undefined when a registry is named. */
function dockerHubName(image: string): string | undefined {
  const slash = image.indexOf('/');
  const first = slash < 0 ? undefined : image.slice(0, slash);
  if (first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost')) return undefined;
  return slash < 0 ? `docker.io/library/${image}` : `docker.io/${image}`;
}

/** imageRegistryMapping over every container, init container and ephemeral container of any pod-carrying kind. */
export function mapImageRegistries(item: TransformItem, context: TransformContext): StageResult {
  const mapping = context.spec.imageRegistryMapping;
  if (Object.keys(mapping).length === 0 || !podSpecOf(item.object)) return { item };
  const mapImage = compileImageMapping(mapping);
  const object = copyJson(item.object);
  let changed = false;
  for (const { container } of containersOf(podSpecOf(object)!)) {
    const image = asString(container.image);
    if (image === undefined) continue;
    const mapped = mapImage(image);
    if (mapped !== image) {
      container.image = mapped;
      changed = true;
    }
  }
  return changed ? { item: withObject(item, object) } : { item };
}

/** Stage 3: imageRegistryMapping. */
export const imageRegistryMappingStage: Stage = { name: 'image-registry-mapping', run: mapImageRegistries };
