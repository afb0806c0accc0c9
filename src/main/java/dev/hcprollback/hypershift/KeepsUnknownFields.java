package dev.hcprollback.hypershift;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Base of every HyperShift model class: the project names only the fields it reads, but a write
 * must hand back every field HyperShift (or a newer HyperShift) put there, so unnamed fields are
 * kept as they came and serialised again unchanged.
 */
public abstract class KeepsUnknownFields {

    /** Made on first use: most objects the webhook reads keep none (it skips unknown fields), and it reads many. */
    @JsonIgnore
    private Map<String, Object> unknownFields;

    @JsonAnyGetter
    public Map<String, Object> getUnknownFields() {
        if (unknownFields == null) {
            unknownFields = new LinkedHashMap<>();
        }
        return unknownFields;
    }

    @JsonAnySetter
    public void setUnknownField(String name, Object value) {
        getUnknownFields().put(name, value);
    }
}
