package org.transprune.records;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON has no NaN: a number that is not finite is written as {@code null} and {@code null} is read back as NaN. A field
 * left out stays Java {@code null}, so "absent" and "not a number" remain different.
 */
final class NanAsNull {
    private NanAsNull() {}

    static final class Writer extends JsonSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value == null || !Double.isFinite(value)) {
                gen.writeNull();
            } else {
                gen.writeNumber(value);
            }
        }
    }

    static final class ListWriter extends JsonSerializer<List<Double>> {
        @Override
        public void serialize(List<Double> values, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartArray();
            for (Double v : values) {
                if (v == null || !Double.isFinite(v)) {
                    gen.writeNull();
                } else {
                    gen.writeNumber(v);
                }
            }
            gen.writeEndArray();
        }
    }

    static final class ListReader extends JsonDeserializer<List<Double>> {
        @Override
        public List<Double> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.isExpectedStartArrayToken()) {
                return ctxt.reportInputMismatch(Double.class, "expected an array of numbers");
            }
            List<Double> out = new ArrayList<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                out.add(t == JsonToken.VALUE_NULL ? Double.NaN : p.getDoubleValue());
            }
            return out;
        }
    }

    static final class Reader extends JsonDeserializer<Double> {
        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return p.getDoubleValue();
        }

        @Override
        public Double getNullValue(DeserializationContext ctxt) {
            return Double.NaN;
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null; // absent stays absent; only an explicit null is NaN
        }
    }
}
