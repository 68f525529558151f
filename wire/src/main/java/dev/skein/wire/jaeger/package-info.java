/** Jaeger's formats: the JSON of its query API, which the Jaeger UI and Grafana read. */
package dev.skein.wire.jaeger;
