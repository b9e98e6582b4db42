import type { AnnotationRewrite } from '../../spec/restore-spec.js';
import { asRecord, asString, copyJson } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** The annotation that chose an Ingress's controller before spec.ingressClassName. */
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const INGRESSES = ['ingresses.networking.k8s.io', 'ingresses.extensions'];

/**
 * Service and Ingress rewrites: serviceAnnotations and ingressAnnotations (set, then remove, by key) and
 * ingressClassMapping (spec.ingressClassName and the legacy annotation).
 */
export function rewriteNetworking(item: TransformItem, context: TransformContext): StageResult {
  const { spec } = context;
  const isService = item.groupResource === 'services';
  const isIngress = INGRESSES.includes(item.groupResource);
  if (!isService && !isIngress) return { item };
  const rewrite = isService ? spec.serviceAnnotations : spec.ingressAnnotations;
  const classes = isIngress ? spec.ingressClassMapping : {};
  if (!rewrite && Object.keys(classes).length === 0) return { item };
  const object = copyJson(item.object);
  const annotations: Record<string, string> = { ...object.metadata.annotations };
  if (rewrite) applyRewrite(annotations, rewrite);
  const legacy = annotations[LEGACY_INGRESS_CLASS_ANNOTATION];
  if (legacy !== undefined && classes[legacy]) annotations[LEGACY_INGRESS_CLASS_ANNOTATION] = classes[legacy];
  const ingressSpec = asRecord(object.spec);
  const className = asString(ingressSpec?.ingressClassName);
  if (ingressSpec && className !== undefined && classes[className]) ingressSpec.ingressClassName = classes[className];
  if (Object.keys(annotations).length > 0) object.metadata.annotations = annotations;
  else delete object.metadata.annotations;
  return { item: withObject(item, object) };
}

function applyRewrite(annotations: Record<string, string>, rewrite: AnnotationRewrite): void {
  Object.assign(annotations, rewrite.set);
  for (const key of rewrite.remove) delete annotations[key];
}

/** Stage 3: Service and Ingress annotation rewrites and ingressClassMapping. */
export const networkRewritesStage: Stage = { name: 'network-rewrites', run: rewriteNetworking };
