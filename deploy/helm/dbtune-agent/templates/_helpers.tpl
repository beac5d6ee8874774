{{- define "dbtune-agent.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name -}}
{{- end -}}

{{- define "dbtune-agent.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default .Release.Name -}}
{{- end -}}

{{- define "dbtune-agent.secretName" -}}
{{- .Values.existingSecret | default .Release.Name -}}
{{- end -}}

{{- define "dbtune-agent.labels" -}}
app.kubernetes.io/name: dbtune-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "dbtune-agent.selectorLabels" -}}
app.kubernetes.io/name: dbtune-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
