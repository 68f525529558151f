package dev.skein.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code service} section: which extensions run and how components form pipelines. */
public final class ServiceConfig {
  List<String> extensions = new ArrayList<>();
  Map<String, PipelineConfig> pipelines = new LinkedHashMap<>();
  /** Skein reads {@code metrics.address} and {@code logs.level}; the rest is accepted as the Collector's. */
  JsonNode telemetry;

  public List<String> extensions() {
    return extensions;
  }

  public Map<String, PipelineConfig> pipelines() {
    return pipelines;
  }

  /** One pipeline: components by ID, in order. */
  public static final class PipelineConfig {
    List<String> receivers = new ArrayList<>();
    List<String> processors = new ArrayList<>();
    List<String> exporters = new ArrayList<>();

    public List<String> receivers() {
      return receivers;
    }

    public List<String> processors() {
      return processors;
    }

    public List<String> exporters() {
      return exporters;
    }
  }
}
