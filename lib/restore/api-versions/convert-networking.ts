import { asRecord, asString, recordAt, recordsOf } from '../json-access.js';
import type { Converter } from './conversion-types.js';

// Ingress conversion of Kubernetes 1.22 (extensions/v1beta1 and networking.k8s.io/v1beta1 to networking.k8s.io/v1).

/** networking.k8s.io/v1beta1 Ingress to networking.k8s.io/v1: backends, defaultBackend and pathType. */
export const ingressV1beta1ToV1: Converter = (copy) => {
  const errors: string[] = [];
  const spec = asRecord(copy.spec);
  if (!spec) return {};
  if (spec.backend !== undefined) {
    if (spec.defaultBackend === undefined) spec.defaultBackend = convertBackend(spec.backend, 'spec.backend', errors);
    delete spec.backend;
  }
  recordsOf(spec.rules).forEach((rule, r) => {
    recordsOf(recordAt(rule, 'http')?.paths).forEach((path, p) => {
      path.backend = convertBackend(path.backend, `spec.rules[${r}].http.paths[${p}].backend`, errors);
      // NOTE: v1beta1 had no pathType default; ImplementationSpecific keeps the controller's own matching.
      path.pathType ??= 'ImplementationSpecific';
    });
  });
  return { errors };
};

/** `{serviceName, servicePort}` to `{service: {name, port: {number | name}}}`; resource backends stay. */
function convertBackend(value: unknown, path: string, errors: string[]): unknown {
  const backend = asRecord(value);
  if (!backend) return value;
  if (backend.service !== undefined || backend.resource !== undefined) return backend;
  const name = asString(backend.serviceName);
  const port = backend.servicePort;
  if (!name || port === undefined || port === null) {
    errors.push(`${path} has neither a service (serviceName and servicePort) nor a resource`);
    return backend;
  }
  const { serviceName: _n, servicePort: _p, ...rest } = backend;
  const numeric = typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port));
  return { ...rest, service: { name, port: numeric ? { number: Number(port) } : { name: String(port) } } };
}
