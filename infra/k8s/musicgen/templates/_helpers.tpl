{{/* Names and labels shared by every object of the chart. */}}
{{- define "musicgen.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "musicgen.triton" -}}{{ include "musicgen.fullname" . }}-triton{{- end -}}
{{- define "musicgen.weightsClaim" -}}
{{- default (printf "%s-weights" (include "musicgen.fullname" .)) .Values.weights.existingClaim -}}
{{- end -}}

{{- define "musicgen.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "musicgen.tritonSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: triton
{{- end -}}

{{/* The label a pod needs to reach Triton through the NetworkPolicy. */}}
{{- define "musicgen.clientLabel" -}}
musicgen.example/triton-client: "true"
{{- end -}}

{{- define "musicgen.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{/* Non-root, no privilege escalation, no capabilities, the runtime's seccomp profile. */}}
{{- define "musicgen.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
{{- define "musicgen.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The batch's Triton endpoint: every address of the headless Service, re-resolved as replicas change. */}}
{{- define "musicgen.tritonDns" -}}
{{- printf "dns:///%s.%s.svc:%v" (include "musicgen.triton" .) .Release.Namespace .Values.triton.ports.grpc -}}
{{- end -}}
