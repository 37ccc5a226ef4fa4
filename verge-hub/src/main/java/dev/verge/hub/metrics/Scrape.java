package dev.verge.hub.metrics;

/** One rendering of the metrics, in the exposition format the scraper asked for. */
public record Scrape(String contentType, byte[] body) {}
