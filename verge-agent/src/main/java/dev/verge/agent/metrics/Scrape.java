package dev.verge.agent.metrics;

/** One rendering of the metrics, in the exposition format the scraper asked for. */
record Scrape(String contentType, byte[] body) {}
