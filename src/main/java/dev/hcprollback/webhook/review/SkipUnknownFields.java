package dev.hcprollback.webhook.review;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.module.SimpleModule;

import dev.hcprollback.hypershift.HostedClusterStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * For reading objects that are judged and dropped, never written back: every class that keeps the fields it
 * does not name (an any-setter: the project's HyperShift models, fabric8's Kubernetes models) skips them
 * instead, and {@code metadata.managedFields} (the API server's field ownership records, often the largest
 * part of an object) and the other fields of {@link #NOT_JUDGED} are skipped unread, and the string values of one
 * review are made once ({@link RepeatedStrings}). Classes without an any-setter stay strict. Values of named fields
 * are bound exactly as by a plain {@code ObjectMapper}, through their setters called directly ({@link DirectSetter}).
 */
final class SkipUnknownFields extends BeanDeserializerModifier {

    /**
     * Named fields no admission rule reads, skipped unread: the API server's field ownership records, and a
     * HostedCluster's conditions (no rule, nor the rollback eligibility the gate applies, looks at them; they are a
     * good part of the strings of an object). A rule that comes to read one must take it out of this list;
     * {@code StreamedReviewTest} shows what the webhook binds.
     */
    static final Map<Class<?>, String> NOT_JUDGED = Map.of(ObjectMeta.class, "managedFields",
            HostedClusterStatus.class, "conditions");

    private SkipUnknownFields() {
    }

    static SimpleModule module() {
        SimpleModule module = new SimpleModule("skip-unknown-fields");
        module.setDeserializerModifier(new SkipUnknownFields());
        module.addDeserializer(String.class, new RepeatedStrings());
        return module;
    }

    @Override
    public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
            BeanDeserializerBuilder builder) {
        if (builder.getAnySetter() != null) {
            builder.setAnySetter(null);
            builder.setIgnoreUnknownProperties(true);
        }
        NOT_JUDGED.forEach((owner, field) -> {
            if (owner.isAssignableFrom(description.getBeanClass())) {
                builder.removeProperty(new com.fasterxml.jackson.databind.PropertyName(field));
                builder.addIgnorable(field);
            }
        });
        List<SettableBeanProperty> properties = new ArrayList<>();
        builder.getProperties().forEachRemaining(properties::add);
        for (SettableBeanProperty property : properties) {
            SettableBeanProperty direct = DirectSetter.of(property);
            if (direct != property) {
                builder.addOrReplaceProperty(direct, true);
            }
        }
        return builder;
    }
}
